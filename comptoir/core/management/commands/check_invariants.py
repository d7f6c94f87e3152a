from django.core.management.base import BaseCommand, CommandError

from comptoir.core.invariants import registered_checks


class Command(BaseCommand):
    help = "Check the shop's data for broken invariants (stock vs ledger, holds, allocations). Read-only."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], help="Run only this check (repeatable).")
        parser.add_argument("--max-report", type=int, default=50, help="How many violations to print.")

    def handle(self, *args, only, max_report, **options):
        checks = registered_checks()
        if unknown := sorted(set(only) - set(checks)):
            raise CommandError(f"Unknown check(s): {', '.join(unknown)}. Known: {', '.join(sorted(checks))}.")
        totals, violations = {}, []
        for name, check in sorted(checks.items()):
            if only and name not in only:
                continue
            result = check()
            totals[name] = result.examined
            violations.extend(result.violations)
        for violation in violations[:max_report]:
            self.stderr.write(f"{violation.check}: {violation.subject}: {violation.message}")
        if len(violations) > max_report:
            self.stderr.write(f"... and {len(violations) - max_report} more")
        counts = " ".join(f"{name}_rows={n}" for name, n in totals.items())
        self.stdout.write(f"invariants {counts} violations={len(violations)}")
        if violations:
            raise SystemExit(1)
