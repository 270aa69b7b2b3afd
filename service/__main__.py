"""`python -m service` is the `custom-fields` command."""

from service.cli import main

raise SystemExit(main())
