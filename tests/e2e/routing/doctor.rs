//! The provider probe behind `switchboard doctor` and `POST /admin/providers/{name}/test`:
//! a minimal call to each provider, and the likely fix for what goes wrong.

use tests::{Client, Reply, TestGateway, Upstream};

use super::{failing, healthy, provider, refused_url};

#[tokio::test]
async fn each_provider_is_probed_and_each_mistake_gets_its_fix() {
    let good = healthy().await;
    let bad_key = failing(401, "invalid_api_key").await;
    // A server that does not serve this path (a base_url missing its /v1, say).
    let wrong_path = Upstream::start(|_| Reply::Body {
        status: 404,
        headers: Vec::new(),
        content_type: "text/html",
        body: "<html>Not Found</html>".into(),
    })
    .await;
    let no_model = failing(404, "model_not_found").await;
    let toml = format!(
        "{}{}{}{}{}\n[server]\nadmin_key = \"sk-admin-1\"\n\
         [[models]]\nname = \"a\"\nprovider = \"good\"\nmodel = \"gpt-4o-mini\"\n\
         [[models]]\nname = \"b\"\nprovider = \"bad_key\"\n\
         [[models]]\nname = \"c\"\nprovider = \"wrong_path\"\n\
         [[models]]\nname = \"d\"\nprovider = \"no_model\"\n\
         [[models]]\nname = \"e/*\"\nprovider = \"down\"\n",
        provider("good", &good.base_url()),
        provider("bad_key", &bad_key.base_url()),
        provider("wrong_path", &wrong_path.base_url()),
        provider("no_model", &no_model.base_url()),
        provider("down", &refused_url()),
    );
    let gw = TestGateway::start(&toml).await;
    let reports = gw.gateway.probe_all().await;
    let find = |name: &str| reports.iter().find(|r| r.provider == name).unwrap();
    assert!(find("good").ok());
    assert_eq!(find("good").call, "chat gpt-4o-mini");
    assert_eq!(good.only_request().json()["messages"][0]["content"], "ping");
    let hint = |name: &str| find(name).error.as_ref().unwrap().hint.unwrap();
    assert!(hint("bad_key").contains("api_key"), "{}", hint("bad_key"));
    assert!(
        hint("wrong_path").contains("base_url"),
        "{}",
        hint("wrong_path")
    );
    assert!(hint("no_model").contains("does not know this model"));
    // A prefix route's provider is asked for its model list.
    assert_eq!(find("down").call, "list models");
    assert!(
        hint("down").contains("could not connect"),
        "{}",
        hint("down")
    );

    let admin = Client::new(gw.url()).header("authorization", "Bearer sk-admin-1");
    let ok = admin.post("/admin/providers/good/test", "").await.json();
    assert_eq!(ok["ok"], true);
    let failed = admin.post("/admin/providers/bad_key/test", "").await.json();
    assert_eq!(
        (failed["ok"].clone(), failed["status"].clone()),
        (false.into(), 401.into())
    );
    assert!(failed["hint"].as_str().unwrap().contains("api_key"));
    assert_eq!(
        admin.post("/admin/providers/nope/test", "").await.status,
        404
    );
}
