"""Routes of requests for information, with the tests that check who may use them."""

API = "tests/web/test_api_rfis.py"
UI = "tests/web/test_ui_rfis.py"

COVERED = {
    ("GET", "/api/v1/rfis"): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    ("POST", "/api/v1/rfis"): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    ("GET", "/api/v1/rfis/stats"): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    ("GET", "/api/v1/rfis/approvals"): f"{API}::test_the_whole_path_through_the_api",
    (
        "GET",
        "/api/v1/rfis/{rfi_id}",
    ): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    ("PUT", "/api/v1/rfis/{rfi_id}"): f"{API}::test_drafts_change_send_and_discard",
    ("DELETE", "/api/v1/rfis/{rfi_id}"): f"{API}::test_drafts_change_send_and_discard",
    ("POST", "/api/v1/rfis/{rfi_id}/send"): f"{API}::test_drafts_change_send_and_discard",
    ("POST", "/api/v1/rfis/{rfi_id}/acknowledge"): f"{API}::test_the_whole_path_through_the_api",
    (
        "POST",
        "/api/v1/rfis/{rfi_id}/close",
    ): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    (
        "POST",
        "/api/v1/rfis/{rfi_id}/answers",
    ): f"{API}::test_every_role_asks_and_answers_but_only_parties_see",
    (
        "POST",
        "/api/v1/rfis/answers/{answer_id}/approve",
    ): f"{API}::test_supervisors_cannot_approve_their_own_answers",
    (
        "POST",
        "/api/v1/rfis/answers/{answer_id}/return",
    ): "test_rfis_service.py::test_returned_answers_release_nothing_and_can_be_redone",
    ("POST", "/api/v1/rfis/{rfi_id}/attachments"): f"{API}::test_attachments_upload_and_download",
    (
        "GET",
        "/api/v1/rfis/{rfi_id}/attachments/{attachment_id}",
    ): f"{API}::test_attachments_upload_and_download",
}
