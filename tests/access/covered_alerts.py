"""Routes of watches (alerts), with the tests that check who may use them."""

COVERED = {
    ("GET", "/api/v1/watches"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (own only: a "
        "colleague and another agency list nothing; 401 anonymous)"
    ),
    ("POST", "/api/v1/watches"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (every role); "
        "test_a_profile_one_may_not_see_is_404"
    ),
    ("GET", "/api/v1/watches/{watch_id}"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (404 for others)"
    ),
    ("PUT", "/api/v1/watches/{watch_id}"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (404 for others)"
    ),
    ("DELETE", "/api/v1/watches/{watch_id}"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (404 for others)"
    ),
    ("GET", "/api/v1/watches/{watch_id}/hits"): (
        "test_alerts_api.py::test_every_role_manages_only_its_own_watches (404 for others); "
        "test_hits_show_notices_for_restricted_records (notices per handling code)"
    ),
    ("GET", "/watches"): (
        "test_ui_watches.py::test_watches_page_lists_only_ones_own (another user's watch absent)"
    ),
    ("POST", "/watches"): (
        "test_ui_watches.py::test_adding_watches_of_each_kind_needs_the_csrf_token"
    ),
    ("GET", "/watches/{watch_id}"): (
        "test_ui_watches.py::test_watch_page_shows_matches_and_secret_to_the_owner_only (404)"
    ),
    ("POST", "/watches/{watch_id}/toggle"): (
        "test_ui_watches.py::test_toggle_and_delete_are_the_owners_with_csrf (404 for others)"
    ),
    ("POST", "/watches/{watch_id}/delete"): (
        "test_ui_watches.py::test_toggle_and_delete_are_the_owners_with_csrf (404 for others)"
    ),
}
