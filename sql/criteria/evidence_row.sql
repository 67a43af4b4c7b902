-- expression: the fields of one matching row that its evidence text shows
struct_pack(h.code, h.num, h.unit, h.range_high, h.value_text, h.value_concept, h.side, h.event_date)
