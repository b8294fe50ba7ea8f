def fast(data):
    try:
        if data.__class__ is not dict or not _KEYS_0.issuperset(data):
            return None
        v_id = data['id']
        if v_id.__class__ is not str or len(v_id) > 200 or not (v_id.isascii() or v_id.encode()):
            return None
        day = DATES.get(data['date'])  # remembered: no call (a value that cannot be a key: TypeError)
        if day is None:
            day = _date(data['date'])
            if day is None:
                return None
        v_date, v_day, v_year = day
        o_person = data['person']
        if o_person.__class__ is not dict or not _KEYS_1.issuperset(o_person):
            return None
        v_person_id = o_person['id']
        if v_person_id.__class__ is not str or len(v_person_id) > 200 or not (v_person_id.isascii() or v_person_id.encode()):
            return None
        v_scheme = o_person['scheme']
        if v_scheme not in _VALUES_2:
            return None
        elif v_scheme.__class__ is not str:
            v_scheme = str(v_scheme)  # a str subclass, read as the full path reads it
        v_category = o_person.get('category')
        if v_category not in _VALUES_3:
            if v_category is None:
                v_category = 'normal'
            else:
                return None
        elif v_category.__class__ is not str:
            v_category = str(v_category)  # a str subclass, read as the full path reads it
        v_age = o_person.get('age')
        if v_age is not None and (v_age.__class__ is not int or v_age < 0 or v_age > 150):
            return None
        o_visit = data['visit']
        if o_visit.__class__ is not dict or not _KEYS_4.issuperset(o_visit):
            return None
        v_kind = o_visit['kind']
        if v_kind not in _VALUES_5:
            return None
        elif v_kind.__class__ is not str:
            v_kind = str(v_kind)  # a str subclass, read as the full path reads it
        v_facility = o_visit.get('facility')
        if v_facility not in _VALUES_6:
            if v_facility is None:
                v_facility = 'general'
            else:
                return None
        elif v_facility.__class__ is not str:
            v_facility = str(v_facility)  # a str subclass, read as the full path reads it
        v_level = o_visit['level']
        if v_level not in _VALUES_7:
            if v_level.__class__ is int and v_level in _NUMBERS_8:
                v_level = _NUMBERS_8[v_level]
            else:
                return None
        elif v_level.__class__ is not str:
            v_level = str(v_level)  # a str subclass, read as the full path reads it
        v_region = o_visit['region']
        if v_region not in _VALUES_9:
            return None
        elif v_region.__class__ is not str:
            v_region = str(v_region)  # a str subclass, read as the full path reads it
        v_referral = o_visit.get('referral')
        if v_referral not in _VALUES_10:
            if v_referral is None:
                v_referral = 'none'
            else:
                return None
        elif v_referral.__class__ is not str:
            v_referral = str(v_referral)  # a str subclass, read as the full path reads it
        v_admission_no = o_visit.get('admission_no')
        if v_admission_no is None:
            v_admission_no = 1
        elif v_admission_no.__class__ is not int or v_admission_no < 1 or v_admission_no > 1000:
            return None
        v_diseases = o_visit.get('diseases')
        if v_diseases is None:
            v_diseases = EMPTY
        elif v_diseases.__class__ is not list or len(v_diseases) > 100:
            return None
        else:
            for item in v_diseases:
                if item not in _SEEN_200:
                    if item.__class__ is not str or len(item) > 200 or not (item.isascii() or item.encode()):
                        return None
                    if len(_SEEN_200) < 20000 and len(item) <= 64:
                        _SEEN_200.add(item)
            v_diseases = frozenset(v_diseases)
        raw_lines = data['lines']
        if raw_lines.__class__ is not list or not raw_lines or len(raw_lines) > 10000:
            return None
        v_lines = []
        v_total = 0
        append = v_lines.append
        for ln in raw_lines:
            if ln.__class__ is not dict or not _KEYS_12.issuperset(ln):
                return None
            l_code = ln['code']
            if l_code not in _SEEN_200:
                if l_code.__class__ is not str or len(l_code) > 200 or not (l_code.isascii() or l_code.encode()):
                    return None
                if len(_SEEN_200) < 20000 and len(l_code) <= 64:
                    _SEEN_200.add(l_code)
            l_name = ln.get('name')
            if l_name is None:
                l_name = ''
            elif l_name not in _SEEN_1000:
                if l_name.__class__ is not str or len(l_name) > 1000 or not (l_name.isascii() or l_name.encode()):
                    return None
                if len(_SEEN_1000) < 20000 and len(l_name) <= 64:
                    _SEEN_1000.add(l_name)
            l_category = ln['category']
            if l_category not in _VALUES_14:
                return None
            elif l_category.__class__ is not str:
                l_category = str(l_category)  # a str subclass, read as the full path reads it
            l_item_class = ln.get('class')
            if l_item_class is not None and l_item_class not in _SEEN_200:
                if l_item_class.__class__ is not str or len(l_item_class) > 200 or not (l_item_class.isascii() or l_item_class.encode()):
                    return None
                if len(_SEEN_200) < 20000 and len(l_item_class) <= 64:
                    _SEEN_200.add(l_item_class)
            l_amount = ln['amount']
            if _AMOUNT_15(l_amount) is None:  # not a string: TypeError
                return None
            l_amount = int(l_amount.replace('.', ''))
            l_unit_price = ln.get('unit_price')
            if l_unit_price is not None:
                if _AMOUNT_16(l_unit_price) is None:  # not a string: TypeError
                    return None
                l_unit_price = int(l_unit_price.replace('.', ''))
            l_split = None
            v_total += l_amount
            append(TUPLE_NEW(LineView, (l_code, l_name, l_category, l_item_class, l_amount, l_unit_price, l_split)))
        if v_total > 999999999999:
            return None
        v_lines = tuple(v_lines)
        raw = data.get('year_to_date')
        v_ytd_year = None
        v_ytd = {}
        v_ytd_periods = {}  # a month or quarter named in year_to_date: the full path reads it
        if raw:
            if raw.__class__ is not dict or len(raw) > 1000:
                return None
            for key, value in raw.items():
                if key == 'year':
                    if value.__class__ is not int or not 1 <= value <= 9999:
                        return None
                    v_ytd_year = value
                    continue
                if key not in _ACCUMULATORS_17:
                    return None
                if _AMOUNT_18(value) is None:  # not a string: TypeError
                    return None
                value = int(value.replace('.', ''))
                v_ytd[key] = value
        elif raw is not None and raw.__class__ is not dict:
            return None
        raw = data.get('paid')
        v_paid = {}
        if raw is not None and (raw.__class__ is not dict or raw):
            return None
        if v_ytd_year is not None and v_ytd_year != v_year and v_ytd:
            v_ytd, v_ytd_ignored = {}, True
        else:
            v_ytd_ignored = False
        v_raw = data
        claim = TUPLE_NEW(ClaimView, (v_id, v_date, v_day, v_year, v_person_id, v_scheme, v_category, v_age, v_kind, v_facility, v_level, v_region, v_referral, v_admission_no, v_diseases, v_lines, v_total, v_ytd, v_ytd_year, v_ytd_ignored, v_paid, v_raw, v_ytd_periods))
        return claim if _applies_19(claim) else None
    except (TypeError, KeyError, UnicodeEncodeError):  # the full path tells
        return None
