import sys

from ingest.api.cli import main

sys.exit(main())
