//! The API's reference page (`/api/v1/docs`): the OpenAPI document itself, rendered as plain
//! HTML on the server. Nothing is fetched from elsewhere, and it cannot drift from the document.

use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use serde_json::Value;

pub fn page(doc: &utoipa::openapi::OpenApi) -> Response {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let methods = ["get", "post", "delete"];
    let markup: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (text(&doc["info"]["title"])) " – reference" }
                link rel="stylesheet" href="/assets/console.css";
            }
            body { main id="main" {
                h1 { (text(&doc["info"]["title"])) " " small { (text(&doc["info"]["version"])) } }
                p { (text(&doc["info"]["description"])) }
                p { "Send " code { "Authorization: Bearer <key>" } " (a key from the console's “API” page). "
                    "The machine-readable document: " a href="/api/v1/openapi.json" { "openapi.json" } "." }
                @if let Some(paths) = doc["paths"].as_object() {
                    @for (path, item) in paths {
                        @for m in methods {
                            @if let Some(op) = item.get(m) {
                                section class="operation" {
                                    h2 { code { (m.to_uppercase()) " " (path) } }
                                    @if let Some(d) = op["description"].as_str().or(op["summary"].as_str()) { p { (d) } }
                                    @if let Some(params) = op["parameters"].as_array() {
                                        table { thead { tr { th { "Parameter" } th { "In" } th { "Required" } th { "About" } } }
                                            tbody { @for p in params { tr {
                                                td { code { (text(&p["name"])) } }
                                                td { (text(&p["in"])) }
                                                td { @if p["required"].as_bool() == Some(true) { "yes" } @else { "no" } }
                                                td { (text(&p["description"])) }
                                            } } }
                                        }
                                    }
                                    @if let Some(body) = op["requestBody"]["content"].as_object() {
                                        @for (mime, c) in body {
                                            p { "Body (" (mime) "): " (schema_name(&c["schema"])) }
                                        }
                                    }
                                    @if let Some(rs) = op["responses"].as_object() {
                                        ul { @for (code, r) in rs {
                                            li { strong { (code) } " " (text(&r["description"]))
                                                @if let Some(c) = r["content"].as_object() {
                                                    @for (mime, c) in c { " · " (mime) " " (schema_name(&c["schema"])) }
                                                }
                                            }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Schemas" }
                @if let Some(schemas) = doc["components"]["schemas"].as_object() {
                    @for (name, s) in schemas {
                        section id=(format!("schema-{name}")) {
                            h3 { (name) }
                            @if let Some(d) = s["description"].as_str() { p { (d) } }
                            @if let Some(props) = s["properties"].as_object() {
                                table { tbody { @for (field, f) in props { tr {
                                    td { code { (field) } }
                                    td { (schema_name(f)) }
                                    td { (text(&f["description"])) }
                                } } } }
                            }
                            @if let Some(cases) = s["enum"].as_array() {
                                p { "One of: " @for (i, c) in cases.iter().enumerate() { @if i > 0 { ", " } code { (text(c)) } } }
                            }
                        }
                    }
                }
            } }
        }
    };
    markup.into_response()
}

/// A schema as a reader names it: its component's name, or its type.
fn schema_name(s: &Value) -> Markup {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return html! { a href=(format!("#schema-{name}")) { (name) } };
    }
    if let Some(all) = s["oneOf"].as_array().or(s["allOf"].as_array()) {
        return html! { @for (i, a) in all.iter().enumerate() { @if i > 0 { " | " } (schema_name(a)) } };
    }
    match &s["type"] {
        Value::String(t) if t == "array" => html! { "list of " (schema_name(&s["items"])) },
        Value::String(t) => html! { (t) },
        Value::Array(ts) => {
            let ts: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            html! { (ts.join(" or ")) }
        }
        _ => html! { "any" },
    }
}
