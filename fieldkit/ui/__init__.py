"""The shells people use: the command line (later the TUI and the kiosk), each rendering the same
engine event stream; the only place that imports click, rich or textual."""
