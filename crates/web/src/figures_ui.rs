//! 海勃湾实践 · 数据对照: the seed's figures, computed from the data now, beside the
//! district's own account.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiceng_core::{Lang, Verb};
use minijinja::{Value, context};
use serde_json::json;

use crate::AppState;
use crate::api::InLang;
use crate::auth::{ApiCaller, PageCaller};
use crate::error::ApiResult;
use crate::ui::{base, caller_error, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/seed-figures", get(page))
}

pub fn api_routes() -> Router<AppState> {
    Router::new().route("/seed-figures", get(api))
}

async fn api(State(s): State<AppState>, c: ApiCaller) -> ApiResult<Json<serde_json::Value>> {
    jiceng_domain::require(&c.actor, Verb::ViewOrg).l(c.lang)?;
    let figures = jiceng_domain::figures::all(&s.ctx).await.l(c.lang)?;
    let items: Vec<serde_json::Value> = figures
        .iter()
        .map(|f| {
            json!({
                "key": f.key,
                "label": if c.lang == Lang::Zh { &f.label_zh } else { &f.label_en },
                "label_zh": f.label_zh,
                "label_en": f.label_en,
                "computed": f.computed,
                "seed": f.seed,
                "agrees": f.agrees,
                "source": f.source,
            })
        })
        .collect();
    Ok(Json(json!(items)))
}

async fn page(State(state): State<AppState>, c: PageCaller) -> Response {
    let r = async {
        jiceng_domain::require(&c.actor, Verb::ViewOrg)?;
        let figures = jiceng_domain::figures::all(&state.ctx).await?;
        let agree = figures.iter().filter(|f| f.agrees).count();
        let rows: Vec<Value> = figures
            .iter()
            .map(|f| {
                context! { key => f.key.clone(), label => if c.lang == Lang::Zh { f.label_zh.clone() } else { f.label_en.clone() },
                    computed => f.computed.clone(), seed => f.seed.clone(), agrees => f.agrees,
                    pending => f.source.ends_with("(pending)"), source => f.source.clone() }
            })
            .collect();
        Ok::<_, jiceng_core::DomainError>(render(
            &state,
            "figures.html",
            context! { rows => rows, agree => agree, total => figures.len(), ..base(&c) },
        ))
    }
    .await;
    r.unwrap_or_else(|e| caller_error(&state, &c, &e))
}
