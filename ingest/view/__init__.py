"""What a job looks like: its snapshot (data) and the HTML and widgets that render one."""
