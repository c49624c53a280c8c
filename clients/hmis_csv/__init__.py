"""HUD HMIS CSV interchange (FY2026): one schema per file (``schema``), the
export (``export``) and the import (``importer``), both checked by the same
validator."""
