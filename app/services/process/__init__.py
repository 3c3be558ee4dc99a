"""The deliberation process: stages, the activity log, research, discussion, meetings, decisions."""
