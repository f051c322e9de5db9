"""The Qt user interface. Views observe the Session; none of them reads files."""
