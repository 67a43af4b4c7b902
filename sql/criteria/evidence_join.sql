-- join: the one row whose evidence an event rule shows (decided.shown_key), found again
-- in `hits` by person, (domain, code set) key and record id; left out for statuses only
left join hits as h on h.person_id = d.person_id and h.dc = d.dc
    and h.rid = ps_key_rid(d.shown_key)
