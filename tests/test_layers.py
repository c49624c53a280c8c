"""The layers, read from the source: the core (``hmis``) imports no feature app,
and ``clients`` imports neither ``sharing`` nor ``incidents``.

Feature apps hear from the core through its signals
(``hmis.signals.security_event_recorded``) and write through its actions
(``hmis.actions.record_security_event``, ``hmis.actions.notify``); they may
import the core and, where the dependency points the right way, each other.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The site layer: the modules that put the apps together and so may import
# every app. Anything else in hmis/ is the core.
SITE_LAYER = {
    "hmis/urls.py",  # the URL map includes every app's URLs
    "hmis/views/dashboard.py",  # the home page gathers every app's work list
}
SITE_LAYER_FOLDERS = {
    "hmis/management/commands",  # seed_demo seeds every app; key rotation re-encrypts every app's data
    "hmis/migrations",  # history: a migration names the apps whose tables it moved
}


def imported_modules(path: Path):
    """(line, module) for every absolute import in ``path``, wherever it sits (top or inside a function)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def offending_imports(package: str, forbidden: set[str], *, exempt=lambda relative: False):
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if exempt(relative):
            continue
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                offences.append(f"{relative}:{line} imports {module}")
    return offences


def in_site_layer(relative: str) -> bool:
    return relative in SITE_LAYER or any(relative.startswith(folder + "/") for folder in SITE_LAYER_FOLDERS)


def test_the_core_imports_no_feature_app():
    offences = offending_imports("hmis", {"clients", "sharing", "incidents"}, exempt=in_site_layer)
    assert not offences, "The core (hmis) must not import a feature app:\n" + "\n".join(offences)


def test_the_core_modules_named_by_the_layering_rule_are_checked():
    """The walk above covers these (so a rename cannot silently drop one)."""
    for module in ("models", "actions", "queries", "audit", "crypto", "permissions", "middleware"):
        assert (ROOT / "hmis" / f"{module}.py").exists()
        assert not in_site_layer(f"hmis/{module}.py")
    assert not in_site_layer("hmis/context_processors.py")


def test_clients_imports_neither_sharing_nor_incidents():
    offences = offending_imports("clients", {"sharing", "incidents"})
    assert not offences, "clients must not import sharing or incidents:\n" + "\n".join(offences)


def test_the_walk_finds_imports_inside_functions(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from incidents.actions import report_incident\n    import sharing.models\n")
    assert [m for _, m in imported_modules(module)] == ["incidents.actions", "sharing.models"]
