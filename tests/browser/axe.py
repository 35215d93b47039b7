"""axe-core in chromium: the vendored script (tests/browser/vendor/axe-core/, MPL-2.0) injected
into the page, run against WCAG 2.1 A and AA. The page's context needs bypass_csp=True: the
site's CSP rightly forbids the inline script Playwright injects."""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }""",
        WCAG_21_AA,
    )


def serious_violations(page) -> list[str]:
    return [
        f"{v['id']} ({v['help']}) {v['targets']}"
        for v in axe_violations(page)
        if v["impact"] in ("serious", "critical")
    ]
