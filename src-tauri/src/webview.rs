//! WebKitGTK settings Tauri does not expose. Countersign is one small page that stays open all day, so
//! it needs neither WebKit's web-page caches nor GPU compositing; leaving both off takes the idle web
//! process from about 220 MB to about 120 MB (PSS, measured by tests/benches/desktop.rs).

use tauri::{Runtime, WebviewWindow};

pub fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let tuned = window.with_webview(|webview| {
            let view = webview.inner();
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(error) = tuned {
            tracing::warn!(%error, "cannot tune the webview");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
