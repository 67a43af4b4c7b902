-- file lines of a CSV file's typed rows when the reader rejected none: the rows were stored
-- in file order, so rowid 0 is the first record, on line 2 (line 1: the header)
update {{typed}}
set
    _line = rowid + 2,
    _row_id = rowid + 1
