        max(day4{{d}} + cat) as k_best{{d}},
        max(day4{{d}} + 3 - cat) as k_worst{{d}},
        bit_or(flags{{d}}) as fl{{d}},
        -- only what the trial's rules use: counts, group counts, min/max (else NULL)
{{optional_aggregates}}