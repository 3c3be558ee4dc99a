"""Who may take part in an issue, and whose participation counts.

newcomers: the per-address limit on new participants; policy: the issue's participation rule;
invites: single-use invite codes; settings: the facilitator's issue settings; merge: a device's
anonymous votes joining the account on login; exclusion and coordination: coordinated-voting
signals and setting participants aside.
"""
