"""The technician's terminal (Textual): ask with callouts first, quotes and a streamed summary, pages
with figures, manuals, checklists, history and the audit log; and the kiosk that cannot be escaped."""
