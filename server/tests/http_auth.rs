//! Sign-in, sign-out, sessions, throttling and the user administration, through the real router.

mod common;

use axum::http::StatusCode;
use common::*;
use sqlx::SqlitePool;

const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[sqlx::test(migrator = "MIGRATOR")]
async fn sign_in_sets_a_safe_cookie_and_lands_home(pool: SqlitePool) {
    let app = app(pool).await;
    let r = app
        .post_form(
            "/login",
            None,
            &[("username", "Inspector "), ("password", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/today");
    let set = r.set_cookies().join("\n");
    assert!(set.contains("jieshui_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(
        !set.contains("Secure"),
        "plain http must not set Secure: {set}"
    );
    let page = app.get("/today", r.session_cookie().as_deref()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("王检查"), "the page names the user");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn https_deployments_get_secure_cookies(pool: SqlitePool) {
    let app = app_with(pool, |c| c.public_url = "https://jieshui.example.cn".into()).await;
    let r = app
        .post_form("/login", None, &[("username", "admin"), ("password", PW)])
        .await;
    assert!(r.set_cookies().join("\n").contains("; Secure"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn wrong_password_and_unknown_user_look_the_same(pool: SqlitePool) {
    let app = app(pool).await;
    let a = app
        .post_form(
            "/login",
            None,
            &[("username", "admin"), ("password", "wrong-password")],
        )
        .await;
    let b = app
        .post_form(
            "/login",
            None,
            &[("username", "nobody"), ("password", "wrong-password")],
        )
        .await;
    for r in [&a, &b] {
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            r.location().starts_with("/login?error=bad"),
            "{}",
            r.location()
        );
        assert!(r.session_cookie().is_none());
    }
    // The form comes back with the message, and the typed username kept.
    let page = app.get(a.location(), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("用户名或密码不正确"), "{}", page.body);
    assert!(page.body.contains("value=\"admin\""));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn next_keeps_users_on_this_site(pool: SqlitePool) {
    let app = app(pool).await;
    let r = app
        .post_form(
            "/login",
            None,
            &[
                ("username", "supervisor"),
                ("password", PW),
                ("next", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dashboard");
    let r = app
        .post_form(
            "/login",
            None,
            &[
                ("username", "supervisor"),
                ("password", PW),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/review");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn next_with_control_characters_or_bypass_forms_goes_home(pool: SqlitePool) {
    let app = app(pool).await;
    let mut tries: Vec<String> = (0u8..=0x20)
        .chain([0x7F])
        .map(|c| format!("/{}/evil.example", char::from(c)))
        .collect();
    tries.extend(
        [
            "/\\evil.example",
            "\\/evil.example",
            "///evil.example",
            "https://evil.example",
            "/今日",
        ]
        .map(String::from),
    );
    for (i, next) in tries.iter().enumerate() {
        // Each try from its own address, so the wrong passwords below do not slow the next try.
        let addr = format!("10.2.{}.{}:4000", i / 200, i % 200 + 1);
        let r = app
            .post_form_from(
                &addr,
                "/login",
                &[("username", "supervisor"), ("password", PW), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.location(), "/review", "{next:?}");
        // The wrong password's way back to the form drops it too.
        let r = app
            .post_form_from(
                &addr,
                "/login",
                &[
                    ("username", "nobody-here"),
                    ("password", "wrong-pass"),
                    ("next", next),
                ],
            )
            .await;
        assert!(
            !r.location().contains("next="),
            "{next:?}: {}",
            r.location()
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn parallel_wrong_passwords_are_all_counted(pool: SqlitePool) {
    let app = app(pool).await;
    // 60 guesses at once, each from its own address: only the account's limit applies.
    let guesses = (0..60).map(|i| {
        let app = &app;
        async move {
            app.post_form_from(
                &format!("10.1.{}.{}:5000", i / 200, i % 200 + 1),
                "/login",
                &[("username", "admin"), ("password", "wrong-password-x")],
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let bad = answers
        .iter()
        .filter(|r| r.location().starts_with("/login?error=bad"))
        .count();
    let throttled = answers
        .iter()
        .filter(|r| r.location().starts_with("/login?error=throttled"))
        .count();
    assert_eq!(
        (bad, throttled),
        (5, 55),
        "only the free attempts reach the password check"
    );
    // Afterwards even the right password waits.
    let r = app
        .post_form_from(
            "10.9.9.9:5000",
            "/login",
            &[("username", "admin"), ("password", PW)],
        )
        .await;
    assert!(
        r.location().starts_with("/login?error=throttled"),
        "{}",
        r.location()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn addresses_and_usernames_are_throttled_independently(pool: SqlitePool) {
    let app = app(pool).await;
    // One address guesses at five accounts that do not exist: that address must wait...
    for i in 0..5 {
        let r = app
            .post_form_from(
                "192.0.2.10:4000",
                "/login",
                &[
                    ("username", &format!("nobody{i}")),
                    ("password", "wrong-password"),
                ],
            )
            .await;
        assert!(
            r.location().starts_with("/login?error=bad"),
            "{}",
            r.location()
        );
    }
    let r = app
        .post_form_from(
            "192.0.2.10:4001",
            "/login",
            &[("username", "inspector"), ("password", PW)],
        )
        .await;
    assert!(
        r.location().starts_with("/login?error=throttled"),
        "{}",
        r.location()
    );
    // ...while another address signs in to that account at once.
    let r = app
        .post_form_from(
            "192.0.2.20:4000",
            "/login",
            &[("username", "inspector"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location(), "/today");

    // Five wrong passwords for one account from five addresses: that account waits everywhere...
    for i in 0..5 {
        app.post_form_from(
            &format!("198.51.100.{}:4000", i + 1),
            "/login",
            &[("username", "supervisor"), ("password", "wrong-password")],
        )
        .await;
    }
    let r = app
        .post_form_from(
            "198.51.100.77:4000",
            "/login",
            &[("username", "supervisor"), ("password", PW)],
        )
        .await;
    assert!(
        r.location().starts_with("/login?error=throttled"),
        "{}",
        r.location()
    );
    // ...and another account from those same addresses does not.
    let r = app
        .post_form_from(
            "198.51.100.1:4000",
            "/login",
            &[("username", "admin"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location(), "/admin/users");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn behind_a_proxy_the_address_is_the_one_the_proxy_added(pool: SqlitePool) {
    let app = app_with(pool, |c| c.trust_proxy = true).await;
    // The client writes a new left-most address each time; the proxy appends the real one.
    for i in 0..5 {
        let req = axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", format!("10.0.0.{i}, 203.0.113.5"))
            .body(axum::body::Body::from(format!(
                "username=nobody{i}&password=wrong-password"
            )))
            .expect("request");
        app.send(req).await;
    }
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "10.0.0.99, 203.0.113.5")
        .body(axum::body::Body::from(format!(
            "username=admin&password={PW}"
        )))
        .expect("request");
    let r = app.send(req).await;
    assert!(
        r.location().starts_with("/login?error=throttled"),
        "{}",
        r.location()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_saturated_password_check_answers_503_in_the_users_language(pool: SqlitePool) {
    let app = app(pool).await;
    let all = app.state.login_permits.available_permits() as u32;
    let _held = app
        .state
        .login_permits
        .clone()
        .acquire_many_owned(all)
        .await
        .expect("permits");
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", "lang=en")
        .body(axum::body::Body::from(format!(
            "username=admin&password={PW}"
        )))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.body.contains("The server is busy"), "{}", r.body);
    assert!(r.session_cookie().is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_huge_username_is_cut_before_it_is_used(pool: SqlitePool) {
    let app = app(pool).await;
    let long = "a".repeat(100_000);
    let r = app
        .post_form("/login", None, &[("username", &long), ("password", "x")])
        .await;
    assert!(
        r.location().starts_with("/login?error=bad"),
        "{}",
        &r.location()[..80.min(r.location().len())]
    );
    assert!(
        r.location().len() < 200,
        "the form is not sent back 100 KB of username"
    );
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM login_failures")
        .fetch_all(&app.pool)
        .await
        .expect("db");
    assert!(keys.iter().all(|k| k.len() < 64), "{keys:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn repeated_failures_are_slowed_down_even_for_the_right_password(pool: SqlitePool) {
    let app = app(pool).await;
    for i in 0..5 {
        let r = app
            .post_form(
                "/login",
                None,
                &[("username", "admin"), ("password", "nope-nope-nope")],
            )
            .await;
        assert!(
            r.location().starts_with("/login?error=bad"),
            "attempt {i}: {}",
            r.location()
        );
    }
    let r = app
        .post_form("/login", None, &[("username", "admin"), ("password", PW)])
        .await;
    assert!(
        r.location().starts_with("/login?error=throttled&wait="),
        "{}",
        r.location()
    );
    assert!(r.session_cookie().is_none());
    assert!(r.headers.contains_key("retry-after"));
    let page = app.get(r.location(), None).await;
    assert!(page.body.contains("尝试次数过多"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sign_out_ends_the_session_on_the_server(pool: SqlitePool) {
    let app = app(pool).await;
    let cookie = app.login("supervisor").await;
    let r = app.post_form("/logout", Some(&cookie), &[]).await;
    assert_eq!(r.location(), "/login?signed_out=1");
    assert!(r.set_cookies().join("").contains("Max-Age=0"));
    // The old cookie, replayed, is worthless.
    let r = app.get("/review", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("error=expired"), "{}", r.location());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn cross_site_posts_are_refused(pool: SqlitePool) {
    let app = app(pool).await;
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "127.0.0.1:3000")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from(format!(
            "username=admin&password={PW}"
        )))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.session_cookie().is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn language_choice_is_remembered(pool: SqlitePool) {
    let app = app(pool).await;
    let r = app
        .post_form("/lang", None, &[("lang", "en"), ("next", "/login")])
        .await;
    assert_eq!(r.location(), "/login");
    let set = r.set_cookies().join("");
    assert!(set.contains("lang=en"), "{set}");
    let page = app.get("/login", Some("lang=en")).await;
    assert!(page.body.contains("Sign in to Jieshui"));
    assert!(page.body.contains("lang=\"en\""));
    let page = app.get("/login", None).await;
    assert!(page.body.contains("登录节水巡检"));
    assert!(page.body.contains("lang=\"zh-CN\""));
    // An off-site next is ignored.
    let r = app
        .post_form(
            "/lang",
            None,
            &[("lang", "zh"), ("next", "https://evil.example")],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn signed_in_users_skip_the_sign_in_page(pool: SqlitePool) {
    let app = app(pool).await;
    let cookie = app.login("admin").await;
    let r = app.get("/login", Some(&cookie)).await;
    assert_eq!(r.location(), "/admin/users");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admin_creates_a_user_who_can_then_sign_in(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let form = [
        ("username", " Li.Na "),
        ("display_name", "李娜"),
        ("role", "supervisor"),
        ("district_id", ""),
        ("password", "li-na-password"),
    ];
    let r = app.post_form("/api/create_user", Some(&admin), &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"username\":\"li.na\""), "{}", r.body);
    // The same username again is a conflict on the username field, not a 500.
    let r = app.post_form("/api/create_user", Some(&admin), &form).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("UsernameTaken"), "{}", r.body);
    let r = app
        .post_form(
            "/login",
            None,
            &[("username", "li.na"), ("password", "li-na-password")],
        )
        .await;
    assert_eq!(r.location(), "/review");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_user_input_names_the_field_and_changes_nothing(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let before = app.store.list_users().await.expect("db").len();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("username", "x"),
                ("display_name", "n"),
                ("role", "inspector"),
                ("district_id", ""),
                ("password", "long-password"),
            ],
            "username",
        ),
        (
            &[
                ("username", "abc"),
                ("display_name", ""),
                ("role", "inspector"),
                ("district_id", ""),
                ("password", "long-password"),
            ],
            "display_name",
        ),
        (
            &[
                ("username", "abc"),
                ("display_name", "n"),
                ("role", "inspector"),
                ("district_id", "01890000-0000-7000-8000-000000000000"),
                ("password", "long-password"),
            ],
            "district_id",
        ),
        (
            &[
                ("username", "abc"),
                ("display_name", "n"),
                ("role", "inspector"),
                ("district_id", ""),
                ("password", "short"),
            ],
            "password",
        ),
    ];
    for (form, field) in cases {
        let r = app.post_form("/api/create_user", Some(&admin), form).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("\"field\":\"{field}\"")),
            "{field}: {}",
            r.body
        );
    }
    // A form missing a field entirely is a 4xx, not a 500.
    let r = app
        .post_form("/api/create_user", Some(&admin), &[("username", "abc")])
        .await;
    assert!(
        r.status.is_client_error(),
        "{} {:?} {}",
        r.status,
        r.headers,
        r.body
    );
    assert_eq!(app.store.list_users().await.expect("db").len(), before);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn deactivation_ends_sessions_and_blocks_sign_in(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let inspector = app.login("inspector").await;
    let id = app
        .store
        .user_for_login("inspector")
        .await
        .expect("db")
        .expect("seeded")
        .user
        .id
        .to_string();
    let r = app
        .post_form(
            "/api/set_user_active",
            Some(&admin),
            &[("user_id", &id), ("active", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get("/today", Some(&inspector)).await.status,
        StatusCode::SEE_OTHER
    );
    let r = app
        .post_form(
            "/login",
            None,
            &[("username", "inspector"), ("password", PW)],
        )
        .await;
    assert!(r.location().starts_with("/login?error=bad"));
    // Reactivated, they can sign in again.
    let r = app
        .post_form(
            "/api/set_user_active",
            Some(&admin),
            &[("user_id", &id), ("active", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.login("inspector").await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admins_cannot_lock_themselves_or_everyone_out(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let id = app
        .store
        .user_for_login("admin")
        .await
        .expect("db")
        .expect("seeded")
        .user
        .id
        .to_string();
    let r = app
        .post_form(
            "/api/set_user_active",
            Some(&admin),
            &[("user_id", &id), ("active", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("CannotDeactivateSelf"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn password_reset_ends_the_users_sessions(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let sup = app.login("supervisor").await;
    let id = app
        .store
        .user_for_login("supervisor")
        .await
        .expect("db")
        .expect("seeded")
        .user
        .id
        .to_string();
    let r = app
        .post_form(
            "/api/reset_password",
            Some(&admin),
            &[("user_id", &id), ("password", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/review", Some(&sup)).await.status,
        StatusCode::OK,
        "a refused reset changes nothing"
    );
    let r = app
        .post_form(
            "/api/reset_password",
            Some(&admin),
            &[("user_id", &id), ("password", "brand-new-password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get("/review", Some(&sup)).await.status,
        StatusCode::SEE_OTHER
    );
    let r = app
        .post_form(
            "/login",
            None,
            &[
                ("username", "supervisor"),
                ("password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/review");
    let r = app
        .post_form(
            "/api/reset_password",
            Some(&admin),
            &[("user_id", "not-a-uuid"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_dead_database_gives_a_plain_error_page_not_its_internals(pool: SqlitePool) {
    let app = app(pool.clone()).await;
    let cookie = app.login("inspector").await;
    pool.close().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = app
        .post_form("/login", None, &[("username", "admin"), ("password", PW)])
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("请把错误编号告诉管理员"), "{}", r.body);
    assert!(
        !r.body.to_lowercase().contains("pool") && !r.body.contains("sqlx"),
        "{}",
        r.body
    );
    let r = app.get("/today", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("出错了"), "{}", r.body);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_users_page_works_as_plain_forms(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    let bad = [
        ("username", "Wang Wu"),
        ("display_name", "王五"),
        ("role", "supervisor"),
        ("district_id", ""),
        ("password", "wang-wu-password"),
    ];
    let r = app.post_form("/admin/users", Some(&admin), &bad).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().contains("error=UsernameChars") && r.location().contains("field=username")
    );
    assert!(
        !r.location().contains("wang-wu-password"),
        "the password never travels back"
    );
    let page = app.get(r.location(), Some(&admin)).await;
    assert!(page.body.contains("用户名以小写字母开头"), "{}", page.body);
    assert!(
        page.body.contains("value=\"王五\""),
        "what was typed is kept"
    );
    assert!(page.body.contains("aria-invalid=\"true\""));
    // The district choices are rendered into the form (from their own resource).
    assert!(page.body.contains(">东昌府区</option>"), "{}", page.body);

    let good = [
        ("username", "wang.wu"),
        ("display_name", "王五"),
        ("role", "supervisor"),
        ("district_id", ""),
        ("password", "wang-wu-password"),
    ];
    let r = app.post_form("/admin/users", Some(&admin), &good).await;
    assert_eq!(r.location(), "/admin/users?form=create&ok=created");
    let page = app.get(r.location(), Some(&admin)).await;
    assert!(page.body.contains("用户已创建") && page.body.contains("wang.wu"));
    let id = app
        .store
        .user_for_login("wang.wu")
        .await
        .expect("db")
        .expect("created")
        .user
        .id;

    let r = app
        .post_form(
            &format!("/admin/users/{id}/password"),
            Some(&admin),
            &[("password", "short")],
        )
        .await;
    assert!(
        r.location().contains("error=PasswordTooShort"),
        "{}",
        r.location()
    );
    let r = app
        .post_form(
            &format!("/admin/users/{id}/password"),
            Some(&admin),
            &[("password", "new-wang-password")],
        )
        .await;
    assert_eq!(r.location(), "/admin/users?form=row&ok=reset");
    let r = app
        .post_form(
            &format!("/admin/users/{id}/active"),
            Some(&admin),
            &[("active", "false")],
        )
        .await;
    assert_eq!(r.location(), "/admin/users?form=row&ok=deactivated");
    let r = app
        .post_form(
            "/login",
            None,
            &[("username", "wang.wu"), ("password", "new-wang-password")],
        )
        .await;
    assert!(
        r.location().starts_with("/login?error=bad"),
        "{}",
        r.location()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_forged_forwarded_for_does_not_dodge_the_address_limit(pool: SqlitePool) {
    let app = app(pool).await;
    // Five different usernames from "five addresses" — all really from one client.
    for i in 0..5 {
        let req = axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .body(axum::body::Body::from(format!(
                "username=nobody{i}&password=wrong-password"
            )))
            .expect("request");
        app.send(req).await;
    }
    let r = app
        .post_form("/login", None, &[("username", "admin"), ("password", PW)])
        .await;
    assert!(
        r.location().starts_with("/login?error=throttled"),
        "{}",
        r.location()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn users_change_their_own_password_and_their_other_sessions_end(pool: SqlitePool) {
    let app = app(pool).await;
    let phone = app.login("inspector").await;
    let desk = app.login("inspector").await;
    let new_pw = "a-new-passphrase-2";
    let change = |current: &'static str, password: &'static str, again: &'static str| {
        let phone = phone.clone();
        let app = &app;
        async move {
            app.post_form(
                "/account/password",
                Some(&phone),
                &[
                    ("current", current),
                    ("password", password),
                    ("again", again),
                ],
            )
            .await
        }
    };
    // The page: every role reaches it from the header, with labelled fields.
    for who in ["inspector", "supervisor", "admin"] {
        let c = app.login(who).await;
        let page = app.get("/account", Some(&c)).await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        for label in ["当前密码", "新密码", "再次输入新密码"] {
            assert!(
                page.body.contains(&format!("<span>{label}</span>")),
                "{who}: {label}"
            );
        }
        assert!(
            page.body.contains("href=\"/account\""),
            "{who}: header link"
        );
    }

    // Wrong current password, two new ones that differ, a new one too short: refused, nothing changed.
    let r = change("wrong-password-x", new_pw, new_pw).await;
    assert_eq!(
        r.location(),
        "/account?error=CurrentPasswordWrong&field=current"
    );
    let r = change(PW, new_pw, "a-new-passphrase-3").await;
    assert_eq!(r.location(), "/account?error=PasswordsDiffer&field=again");
    let r = change(PW, "short", "short").await;
    assert_eq!(
        r.location(),
        "/account?error=PasswordTooShort&field=password"
    );
    let page = app.get(r.location(), Some(&phone)).await;
    assert!(page.body.contains("密码至少 10 个字符。"), "{}", page.body);
    assert_eq!(app.get("/today", Some(&desk)).await.status, StatusCode::OK);

    // The right one: changed; this session goes on, the one on the desk ends.
    let r = change(PW, new_pw, new_pw).await;
    assert_eq!(r.location(), "/account?ok=changed");
    let page = app.get(r.location(), Some(&phone)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("您在其他设备上的登录已全部退出"),
        "{}",
        page.body
    );
    let r = app.get("/today", Some(&desk)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    // The old password no longer signs in; the new one does.
    let old = app
        .post_form(
            "/login",
            None,
            &[("username", "inspector"), ("password", PW)],
        )
        .await;
    assert!(
        old.location().starts_with("/login?error=bad"),
        "{}",
        old.location()
    );
    let new = app
        .post_form(
            "/login",
            None,
            &[("username", "inspector"), ("password", new_pw)],
        )
        .await;
    assert_eq!(new.location(), "/today");
    // Signed out, the form cannot be used.
    let r = app
        .post_form(
            "/account/password",
            None,
            &[("current", new_pw), ("password", PW), ("again", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn guessing_the_current_password_from_a_stolen_session_is_throttled(pool: SqlitePool) {
    let app = app(pool).await;
    let c = app.login("supervisor").await;
    let free = app.state.config.throttle.free_failures as usize;
    let mut last = String::new();
    for _ in 0..free + 2 {
        let r = app
            .post_form(
                "/account/password",
                Some(&c),
                &[
                    ("current", "guess-guess-guess"),
                    ("password", "a-new-passphrase-2"),
                    ("again", "a-new-passphrase-2"),
                ],
            )
            .await;
        last = r.location().to_string();
    }
    assert_eq!(last, "/account?error=TooManyAttempts&field=current");
    // Even the right password now waits.
    let r = app
        .post_form(
            "/account/password",
            Some(&c),
            &[
                ("current", PW),
                ("password", "a-new-passphrase-2"),
                ("again", "a-new-passphrase-2"),
            ],
        )
        .await;
    assert!(r.location().contains("TooManyAttempts"), "{}", r.location());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_page_for_another_role_is_not_rendered_at_all(pool: SqlitePool) {
    let app = app(pool).await;
    let inspector = app.login("inspector").await;
    for path in ["/admin/users", "/admin/sites", "/review"] {
        let r = app.get(path, Some(&format!("{inspector}; lang=en"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            r.body.contains("<h1>Not allowed</h1>"),
            "{path}: {}",
            r.body
        );
        // Nothing of the page itself: no form, no list, no data of other people.
        for leak in ["<form", "王检查", "Users", "Loading"] {
            assert!(!r.body.contains(leak), "{path} shows {leak:?}: {}", r.body);
        }
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_sign_ins_and_deactivations_keep_the_rules(pool: SqlitePool) {
    let app = app(pool).await;
    let admin = app.login("admin").await;
    app.create_user(&admin, "admin2", "第二管理员", "admin")
        .await;
    let admin2 = app.login("admin2").await;
    let id_of = |name: &'static str| {
        let app = &app;
        async move {
            app.store
                .user_for_login(name)
                .await
                .expect("db")
                .expect("user")
                .user
                .id
        }
    };
    let (a1, a2) = (id_of("admin").await, id_of("admin2").await);

    // The two admins deactivate each other at the same moment: one of them stays.
    let off = [("active", "false")];
    let p1 = format!("/admin/users/{a2}/active");
    let p2 = format!("/admin/users/{a1}/active");
    let (r1, r2) = tokio::join!(
        app.post_form(&p1, Some(&admin), &off),
        app.post_form(&p2, Some(&admin2), &off),
    );
    assert_eq!(
        app.store.count_active_admins().await.expect("db"),
        1,
        "{} / {}",
        r1.location(),
        r2.location()
    );

    // Sign-ins of one inspector at once (as many as the free attempts, since each is counted before
    // its password is checked) all work, and a deactivation ends every one of them.
    let free = app.state.config.throttle.free_failures as usize;
    let logins = futures_util::future::join_all((0..free).map(|_| {
        app.post_form(
            "/login",
            None,
            &[("username", "inspector"), ("password", PW)],
        )
    }))
    .await;
    let cookies: Vec<String> = logins
        .iter()
        .map(|r| r.session_cookie().expect("signed in"))
        .collect();
    for c in &cookies {
        assert_eq!(app.get("/today", Some(c)).await.status, StatusCode::OK);
    }
    let remaining = if app.get("/admin/users", Some(&admin)).await.status == StatusCode::OK {
        admin.clone()
    } else {
        admin2.clone()
    };
    let inspector = id_of("inspector").await;
    let r = app
        .post_form(
            &format!("/admin/users/{inspector}/active"),
            Some(&remaining),
            &off,
        )
        .await;
    assert!(r.location().contains("ok=deactivated"), "{}", r.location());
    for c in &cookies {
        assert_eq!(
            app.get("/today", Some(c)).await.status,
            StatusCode::SEE_OTHER
        );
    }
}
