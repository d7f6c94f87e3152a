from django.contrib import admin


def test_no_admin_action_names_a_dotted_permission_that_unfold_would_look_up_before_the_first_migrate():
    # unfold's system check queries auth_permission for dotted names; on an empty database `migrate` runs the
    # checks before any table exists and crashes, so a fresh `make demo` would fail.
    dotted = []
    for model_admin in admin.site._registry.values():
        if not hasattr(model_admin, "_get_base_actions_list"):
            continue  # not an unfold admin (e.g. django.contrib.auth's): unfold's check does not run on it
        actions = [
            *model_admin._get_base_actions_list(),
            *model_admin._get_base_actions_detail(),
            *model_admin._get_base_actions_row(),
            *model_admin._get_base_actions_submit_line(),
        ]
        for action in actions:
            for permission in getattr(action.method, "allowed_permissions", ()):
                if "." in permission:
                    dotted.append(f"{type(model_admin).__name__}.{action.method.__name__}: {permission}")

    assert dotted == []
