"""Routes of requests for information, with the tests that check who may use them."""

API = "tests/web/test_api_rfis.py"
UI = "tests/web/test_ui_rfis.py"

COVERED = {
    (
        "GET",
        "/rfis/{rfi_id}/edit",
    ): f"{UI}::test_a_draft_is_changed_on_its_own_form_and_only_while_a_draft",
    (
        "POST",
        "/rfis/{rfi_id}/edit",
    ): f"{UI}::test_a_draft_is_changed_on_its_own_form_and_only_while_a_draft",
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
    # The browser pages (tests/web/test_ui_rfis.py).
    ("GET", "/rfis"): f"{UI}::test_officers_may_not_open_approvals_and_third_agencies_see_nothing",
    ("GET", "/rfis/new"): f"{UI}::test_every_role_of_both_sides_opens_its_pages",
    ("POST", "/rfis/new"): f"{UI}::test_changes_need_the_csrf_token",
    (
        "GET",
        "/rfis/{rfi_id}",
    ): f"{UI}::test_officers_may_not_open_approvals_and_third_agencies_see_nothing",
    ("POST", "/rfis/{rfi_id}/send"): f"{UI}::test_a_draft_is_sent_or_discarded_from_its_page",
    ("POST", "/rfis/{rfi_id}/discard"): f"{UI}::test_a_draft_is_sent_or_discarded_from_its_page",
    (
        "POST",
        "/rfis/{rfi_id}/close",
    ): f"{UI}::test_officers_may_not_open_approvals_and_third_agencies_see_nothing",
    (
        "POST",
        "/rfis/{rfi_id}/acknowledge",
    ): f"{UI}::test_each_side_sees_its_own_actions_and_the_release_needs_a_second_supervisor",
    (
        "POST",
        "/rfis/{rfi_id}/answer",
    ): f"{UI}::test_officers_may_not_open_approvals_and_third_agencies_see_nothing",
    (
        "POST",
        "/rfis/answers/{answer_id}/approve",
    ): f"{UI}::test_a_supervisor_who_wrote_the_answer_is_told_why_they_cannot_approve",
    (
        "POST",
        "/rfis/answers/{answer_id}/return",
    ): f"{UI}::test_officers_may_not_open_approvals_and_third_agencies_see_nothing",
    (
        "POST",
        "/rfis/{rfi_id}/attachments",
    ): f"{UI}::test_an_attachment_goes_with_the_request_and_downloads_safely",
    (
        "GET",
        "/rfis/{rfi_id}/attachments/{attachment_id}",
    ): f"{UI}::test_an_attachment_goes_with_the_request_and_downloads_safely",
}
