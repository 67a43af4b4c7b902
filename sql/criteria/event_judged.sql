        upto{{d}} and fromok{{d}} and not unsided as in_window{{d}},
        upto{{d}} and not fromok{{d}} and not unsided as before_window{{d}},