"""The defaults every surface shares, named once: the question table (``questions.py``)
declares each question's parameters with these, and the library's signatures, the CLI,
the API, the report and the statistics read them from here (a test checks that the
numbers appear nowhere else in ``src/``). Nothing here imports another icestats module.
"""

from __future__ import annotations

GOAL_PER_DAY = 3000.0  # the White House's 2025 goal: arrests a day, nationally
WINDOW_DAYS = 28  # the window a question is asked over, ending at the as-of day
FDR = 0.05  # false discovery rate held by the below-target flag
LEVEL = 0.95  # interval level
REMOVAL_GOAL_PER_YEAR = 1_000_000.0  # the stated removal goal, a year (icestats pipeline)
# The day each stated goal applies from: without --goal, a stated goal is measured against
# the days from then on only, and an answer about earlier days says it was not yet set.
# 3,000 arrests a day: stated by the White House on 2025-05-28. One million removals a
# year: the administration's goal for the term that began 2025-01-20 (reported in 2025).
GOAL_FROM = "2025-05-28"
REMOVAL_GOAL_FROM = "2025-01-20"
DAYS_PER_YEAR = 365  # a goal a year over the days of a (non-leap) year
