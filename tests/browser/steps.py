"""Steps shared by the browser tests: what a user does the same way on many pages."""

import re


def menu(page, name: str):
    """A link of the top menu bar itself, not the copy of it inside the "Work lists" dropdown.

    Matched by the menu's structure, not by visibility: a page whose stylesheet has not been
    applied yet shows the closed dropdown's items too (CI once saw both "Escalations" links).
    """
    page.wait_for_load_state()
    return page.locator("#mainnav > .navbar-nav > .nav-item > a.nav-link").filter(
        has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")
    )
