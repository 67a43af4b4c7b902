-- expression: the evidence text of one event rule for one person (see event_result.sql);
-- left out (NULL) when only statuses are wanted (sweeps, forecasts)
case
    when has_count then
        label || ': ' || cnt
        || case when distinct_grp then ' (' || coalesce(array_to_string(groups, ', '), '') || ')' else '' end
    when n_in = 0 then
        no_data_text || coalesce('; last on ' || strftime(last_before, '%Y-%m-%d'), '')
    when vkind = 'none' then ps_presence_evidence(label, first_ev)
    when pick = 'any' then
        ps_value_evidence(label, vkind,
            case when n_sat > 0 then sat_ev when n_bad > 0 then bad_ev else first_ev end)
    when pick = 'latest' then
        case
            when latest_bad = latest then ps_value_evidence(label, vkind, bad_ev)
            when latest_sat = latest and latest_unsat = latest then
                'conflicting ' || label || ' results on ' || strftime(latest, '%Y-%m-%d')
            when latest_sat = latest then ps_value_evidence(label, vkind, sat_ev)
            else ps_value_evidence(label, vkind, first_ev)
        end
    when n_bad > 0 then ps_value_evidence(label, vkind, bad_ev)
    when pick = 'min' then ps_value_evidence(label, vkind, min_row.ev)
    else ps_value_evidence(label, vkind, max_row.ev)
end
