"""Routes of notifications and deliveries, with the tests that check who may use them."""

COVERED = {
    ("GET", "/api/v1/notifications"): (
        "test_notifications_api.py::test_every_role_sees_only_its_own_notifications "
        "(own rows only, every role of the other agency; 401 anonymous)"
    ),
    ("GET", "/api/v1/notifications/unread-count"): (
        "test_notifications_api.py::test_every_role_sees_only_its_own_notifications (own count)"
    ),
    ("POST", "/api/v1/notifications/read"): (
        "test_notifications_api.py::test_another_users_notifications_cannot_be_marked_read "
        "(+ CSRF with the cookie)"
    ),
    ("GET", "/inbox"): "test_ui_inbox.py::test_the_inbox_lists_ones_own_notifications_newest_first",
    ("POST", "/inbox/read"): (
        "test_ui_inbox.py::test_marking_read_one_or_all_needs_the_csrf_token (another user's "
        "notification stays unread)"
    ),
    ("GET", "/admin/deliveries"): (
        "test_ui_inbox.py::test_the_deliveries_page_is_for_administrators_only (403 for other "
        "roles; another agency's administrator does not see the row)"
    ),
    ("POST", "/admin/deliveries/{delivery_id}/retry"): (
        "test_ui_inbox.py::test_smtp_down_is_visible_and_retry_now_is_audited (403 other roles, "
        "404 other agency, CSRF, audited)"
    ),
}
