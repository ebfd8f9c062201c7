"""``commsim validate``, ``schema`` and ``presets``: checking files and listing what is declared."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from commsim.cli.parser import EXIT_USAGE, _print_error
from commsim.cli.run import _size
from commsim.config.declaration import DeclarationError, check_declaration, is_declaration
from commsim.config.limits import ResourceError, check_work
from commsim.config.loading import is_preset_file, load_run_config, run_work, validate_file
from commsim.config.presets import load_preset, preset_names
from commsim.config.schemas import run_config_schema
from commsim.config.yaml_files import ConfigError, line_of, read_yaml
from commsim.design import cli as design_command


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            if _is_declaration(path):
                print(f"ok: {_validate_declaration(path)}")
            elif _is_classroom_lessons(path):
                print(f"ok: {_validate_classroom_lessons(path)}")
            elif _is_lessons(path):
                print(f"ok: {_validate_lessons(path)}")
            elif design_command.is_design_spec(path):
                print(f"ok: {design_command.validate(path)}")
            elif _is_experiment(path):
                print(f"ok: {_validate_experiment(path)}")
            else:
                print(f"ok: {_validate_config(path, allow_large=args.allow_large)}")
        except ConfigError as error:
            _print_error(error)
            failed = True
    return EXIT_USAGE if failed else 0


def _validate_config(path: Path, *, allow_large: bool) -> str:
    """Validate a preset or a run config; a run config is sized against the ceilings too."""
    data, _ = read_yaml(path)
    if is_preset_file(path, data):
        return validate_file(path)
    from commsim.runs.costs import is_costs_file, validate_costs

    if is_costs_file(path, data):
        return validate_costs(path)
    config = load_run_config(path)
    work = run_work(config)
    try:
        check_work(work, where=str(path))
    except ResourceError as error:
        if not allow_large:
            raise
        check_work(work, where=str(path), allow_large=True)  # memory is never waived
        print(f"warning: {error}", file=sys.stderr)
    return f"{path}: valid run config {config.name!r} ({config.profile} + {config.policy}; plans {_size(work)})"


def _is_experiment(path: Path) -> bool:
    """Whether a file is an experiment spec: it sits in experiments/ or has an experiment's keys."""
    if path.parent.name == "experiments":
        return True
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    return isinstance(data, dict) and bool({"factors", "design", "scenarios", "target", "base"} & set(data))


def _is_lessons(path: Path) -> bool:
    """Whether a file holds dashboard lessons: a YAML list with a lesson's keys, or a lessons file by name.

    One lesson with a lesson's own keys is enough, so a file whose other lessons are
    broken is still checked as a lessons file and its errors name the lesson's fields.
    """
    if "lesson" in path.name:
        return True
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    own = {"steps_to_try", "look_for", "story", "question", "practice"}
    return isinstance(data, list) and any(isinstance(item, dict) and own & set(item) for item in data)


def _is_classroom_lessons(path: Path) -> bool:
    """Whether a file holds classroom lessons: by name, or a YAML list with a classroom lesson's own keys."""
    from commsim.classroom.lessons import is_classroom_lessons

    if "classroom" in path.name and "lesson" in path.name:
        return True
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    return is_classroom_lessons(data)


def _validate_classroom_lessons(path: Path) -> str:
    """Check classroom lessons as the Classroom page does: schema, declaration and the page's limits."""
    from commsim.dashboard.class_lessons import classroom_lessons

    found = classroom_lessons(path)
    return f"{path}: valid classroom lessons file ({len(found)} lessons: {', '.join(lesson.id for lesson in found)})"


def _validate_lessons(path: Path) -> str:
    from commsim.lessons import read_lessons

    found = read_lessons(path)
    return f"{path}: valid lessons file ({len(found)} lessons: {', '.join(lesson.id for lesson in found)})"


def _validate_experiment(path: Path) -> str:
    """Check a spec without importing or running its target, and size it against the ceilings.

    Over a run or resident-week ceiling the spec is still valid (``commsim sweep
    --allow-large`` runs it): a warning says so and runs are not resolved one by one.
    Beyond the machine's memory it is an error, as no flag lifts that.
    """
    from commsim.config.limits import MemoryCeilingError, ResourceError
    from commsim.experiments.plan import load_plan, work_summary

    try:
        plan = load_plan(path)
    except MemoryCeilingError:
        raise
    except ResourceError as error:
        print(f"warning: {error} (with `commsim sweep --allow-large`)", file=sys.stderr)
        return f"{path}: valid experiment spec, over a ceiling (see the warning; runs not resolved one by one)"
    return f"{path}: valid experiment spec {plan.spec.name!r} ({work_summary(plan.work)})"


def _schema(args: argparse.Namespace) -> int:
    if args.experiment:
        from commsim.experiments.spec import spec_schema

        print(json.dumps(spec_schema(), indent=2))
    else:
        print(json.dumps(run_config_schema(), indent=2))
    return 0


def _presets(args: argparse.Namespace) -> int:
    for group, heading in (("profile", "Community profiles"), ("policy", "Policy packages")):
        print(f"{heading}:")
        for name in preset_names(group):
            print(f"  {name:24s} {load_preset(group, name).title}")
    return 0


def _is_declaration(path: Path) -> bool:
    try:
        data, _ = read_yaml(path)
    except ConfigError:
        return False
    return is_declaration(data)


def _validate_declaration(path: Path) -> str:
    data, node = read_yaml(path)
    try:
        return check_declaration(path, data, lambda key: line_of(node, (key,)))
    except DeclarationError as error:
        raise ConfigError(str(error)) from None
