// The few lines htmx does not cover (the raw-data tree's clicks live here too).
