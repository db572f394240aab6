"""Joint operations' routes and the tests that check who may use them (membership: 404 for
anyone else; roles: 403; four-eyes: the sharer never approves)."""

API = "tests/exchange/test_operations_api.py"
UI = "tests/web/test_ui_operations.py"

COVERED = {
    ("GET", "/api/v1/operations"): f"{API}::test_non_members_get_404_on_every_route (own only)",
    ("POST", "/api/v1/operations"): f"{API}::test_roles_officers_cannot_create_or_manage (403)",
    ("GET", "/api/v1/operations/{operation_id}"): f"{API}::test_non_members_get_404_on_every_route",
    (
        "POST",
        "/api/v1/operations/{operation_id}/status",
    ): f"{API}::test_roles_officers_cannot_create_or_manage; non-members 404",
    (
        "POST",
        "/api/v1/operations/{operation_id}/agencies",
    ): f"{API}::test_roles_officers_cannot_create_or_manage; non-members 404",
    (
        "DELETE",
        "/api/v1/operations/{operation_id}/agencies/{code}",
    ): f"{API}::test_non_members_get_404_on_every_route; service: lead/own agency only",
    (
        "POST",
        "/api/v1/operations/{operation_id}/members",
    ): f"{API}::test_roles_officers_cannot_create_or_manage (own agency only)",
    (
        "DELETE",
        "/api/v1/operations/{operation_id}/members/{user_id}",
    ): f"{API}::test_non_members_get_404_on_every_route; leave",
    (
        "POST",
        "/api/v1/operations/{operation_id}/entries",
    ): f"{API}::test_non_members_get_404_on_every_route",
    (
        "POST",
        "/api/v1/operations/{operation_id}/tasks",
    ): f"{API}::test_non_members_get_404_on_every_route",
    (
        "PUT",
        "/api/v1/operations/{operation_id}/tasks/{task_id}",
    ): f"{API}::test_non_members_get_404_on_every_route",
    (
        "POST",
        "/api/v1/operations/{operation_id}/records",
    ): f"{API}::test_roles_officers_cannot_create_or_manage (own records only)",
    (
        "POST",
        "/api/v1/operations/{operation_id}/records/{share_id}/approve",
    ): f"{API}::test_the_workspace_over_the_api (403 self, officer)",
    (
        "POST",
        "/api/v1/operations/{operation_id}/records/{share_id}/refuse",
    ): f"{API}::test_non_members_get_404_on_every_route",
    ("GET", "/operations"): f"{UI}::test_pages_are_for_members_only",
    ("POST", "/operations"): f"{UI}::test_pages_are_for_members_only (403 for officers)",
    ("GET", "/operations/{operation_id}"): f"{UI}::test_pages_are_for_members_only (404)",
    ("POST", "/operations/{operation_id}/status"): f"{UI}::test_pages_are_for_members_only (404)",
    ("POST", "/operations/{operation_id}/agencies"): f"{UI}::test_pages_are_for_members_only (404)",
    (
        "POST",
        "/operations/{operation_id}/agencies/{code}/remove",
    ): f"{UI}::test_pages_are_for_members_only (404)",
    ("POST", "/operations/{operation_id}/members"): f"{UI}::test_pages_are_for_members_only (404)",
    (
        "POST",
        "/operations/{operation_id}/members/{user_id}/remove",
    ): f"{UI}::test_pages_are_for_members_only (404)",
    (
        "POST",
        "/operations/{operation_id}/entries",
    ): f"{UI}::test_pages_are_for_members_only (404; CSRF)",
    ("POST", "/operations/{operation_id}/tasks"): f"{UI}::test_pages_are_for_members_only (404)",
    (
        "POST",
        "/operations/{operation_id}/tasks/{task_id}",
    ): f"{UI}::test_pages_are_for_members_only (404)",
    ("POST", "/operations/{operation_id}/records"): f"{UI}::test_pages_are_for_members_only (404)",
    (
        "POST",
        "/operations/{operation_id}/records/{share_id}/approve",
    ): f"{UI}::test_self_approval_is_refused_in_the_page (403); 404",
    (
        "POST",
        "/operations/{operation_id}/records/{share_id}/refuse",
    ): f"{UI}::test_pages_are_for_members_only (404)",
}
