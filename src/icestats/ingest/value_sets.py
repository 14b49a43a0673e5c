"""The value sets of the fields that matter for counting the event kinds
(``/shared/data/reference/layouts.md`` §6), as the real releases hold them."""

from __future__ import annotations

# The value sets of the fields that matter for counting (layouts.md §6): what a release
# may hold, so that a value outside them can be noticed. Processing disposition codes of
# removals with their meaning (UWCHR's crosswalk, ice-enforce share/hand/processing_disp.csv).
REMOVAL_DISPOSITIONS = {
    "REINST": "Reinstatement of deport order (I-871)", "ER": "Expedited removal",
    "WA/NTA": "Warrant of arrest / notice to appear", "T": "Other",
    "ER/CF": "Expedited removal with credible fear", "B": "Bag and baggage",
    "ADMDPT": "Administrative deportation", "V": "Voluntary return",
    "NTA/DT": "Notice to appear, detained", "REINRF": "Reinstatement, reasonable fear",
    "NTA": "Notice to appear", "DTNR": "Detainer", "VWPPRM": "Visa waiver program",
    "NTA_1": "Notice to appear", "WD": "Withdrawal", "TOT": "Turned over",
    "VWPRF": "Visa waiver program, reasonable fear", "VWPRM": "Visa waiver program",
    "P": "Parole", "WD/ER": "Withdrawal, expedited removal",
}
VALUE_SETS: dict[str, tuple[str, ...]] = {
    "criminality": ("1 Convicted Criminal", "2 Pending Criminal Charges",
                    "3 Other Immigration Violator"),
    "threat_level": ("1", "2", "3", "NA"),  # RC Threat Level of 2019-ICFO-53623: redacted or NA
    "removal_disposition": tuple(REMOVAL_DISPOSITIONS),
    "lift_reason": ("Booked into Detention", "Detainer Declined by LEA",
                    "No longer in State, Local, or Federal Custody", "Prosecutorial Discretion",
                    "Not Amenable to Removal", "Noncitizen Not Amenable to Removal",
                    "USC or Presumptive Claim to US Citizenship", "Case Closed",
                    "Judicial Review", "Early Release"),
    "release_reason": ("Transferred", "Removed", "Paroled", "Order of recognizance",
                       "Bonded Out - IJ",
                       "U.S. Marshals or other agency (explain in Detention Comments)",
                       "Paroled - Humanitarian", "Order of supervision",
                       "Processing Disposition Changed", "Order of Recognizance - Humanitarian",
                       "Bonded Out - Field Office", "Voluntary departure", "Relief Granted by IJ",
                       "Proceedings Terminated", "Order of Supervision - Re-Release",
                       "ORR - Office of Refugee Resettlement", "Court Ordered", "Withdrawal",
                       "Died"),
    "detainer_type": ("I247A - Immigration Detainer - Notice of Action (as of May 2025)",
                      "I247D - Immigration Detainer - Request for Voluntary Action",
                      "I247N - Request for Voluntary Notification of Release",
                      "I247G - Request for Advance Notification of Release"),
    "encounter_disposition": ("Not Amenable to Removal", "Detainer",
                              "Warrant of Arrest/Notice to Appear", "Other", "Not in Custody",
                              "Foreign Born USC"),
}
