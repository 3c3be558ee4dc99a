"""The public report of an issue: every statement's numbers by opinion group, charts, frozen copies."""
