        h.event_date <= {{hi}} as upto{{d}},
        case when i.use_end then h.end_date else h.event_date end >= {{lo2}} as fromok{{d}}