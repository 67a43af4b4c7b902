-- expression: the evidence text of one event rule for one person (see event_result.sql);
-- left out (NULL) when only statuses are wanted (sweeps, forecasts). `ev` is the shown row
-- (evidence_row.sql), joined back by its rank key.
case
    when has_count then
        label || ': ' || cnt
        || case when distinct_grp then ' (' || coalesce(array_to_string(
            list_filter(group_names, lambda g, j: ((coalesce(group_mask, 0) >> (j - 1)) & 1) = 1),
            ', '), '') || ')' else '' end
    when n_in = 0 then
        no_data_text || coalesce('; last on ' || strftime(last_before, '%Y-%m-%d'), '')
    -- no single row to show: contradictory results on the latest day
    when shown_key is null then 'conflicting ' || label || ' results on ' || strftime(latest, '%Y-%m-%d')
    when vkind = 'none' then ps_presence_evidence(label, ev)
    else ps_value_evidence(label, vkind, ev)
end
