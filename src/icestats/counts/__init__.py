"""Published count tables -> the store: weekly national counts, office or state totals over
a period, daily state series, monthly workbook tables with one copy per vintage. Stored
apart from record-level releases (``count_*`` tables), with the same promises: a file
loads whole or not at all, real or generated is recorded, every row is loaded or listed
as rejected with its reason."""
