//! The registry: which implementation renders each platform the model declares.

use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_core::names::PlatformName;
use datasurface_core::{Ecosystem, PlatformDeclaration};
use datasurface_rules::validate::{Diagnostic, ModelPath, Report, Severity};

use crate::platform::DataPlatform;

/// Platform implementations by kind.
#[derive(Debug, Clone, Default)]
pub struct PlatformRegistry {
    platforms: BTreeMap<String, Arc<dyn DataPlatform>>,
}

impl PlatformRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        PlatformRegistry::default()
    }

    /// Registers an implementation under its kind, replacing any other of that kind.
    pub fn register(&mut self, platform: Arc<dyn DataPlatform>) -> &mut Self {
        self.platforms.insert(platform.kind().to_owned(), platform);
        self
    }

    /// The implementation of a kind.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn DataPlatform>> {
        self.platforms.get(kind)
    }

    /// The kinds registered, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        self.platforms.keys().map(String::as_str).collect()
    }

    /// The implementation of each platform the model declares. An unknown kind,
    /// or an implementation whose version the declaration does not accept, is a
    /// diagnostic, and that platform is left out.
    pub fn resolve(
        &self,
        eco: &Ecosystem,
    ) -> (BTreeMap<PlatformName, Arc<dyn DataPlatform>>, Report) {
        let mut resolved = BTreeMap::new();
        let mut found = Vec::new();
        for (name, declaration) in &eco.platforms {
            match self.resolve_one(name, declaration) {
                Ok(platform) => {
                    resolved.insert(name.clone(), platform);
                }
                Err(problem) => found.push(*problem),
            }
        }
        (resolved, Report::new(found))
    }

    /// The implementation of one declared platform, or why there is none.
    pub fn resolve_one(
        &self,
        name: &PlatformName,
        declaration: &PlatformDeclaration,
    ) -> Result<Arc<dyn DataPlatform>, Box<Diagnostic>> {
        let path = ModelPath::root().keys(["platforms", name.as_str()]);
        let Some(implementation) = self.get(&declaration.kind) else {
            return Err(Box::new(
                Diagnostic::new(
                    "unknown-platform-kind",
                    Severity::Error,
                    path.key("kind"),
                    format!("no implementation of platform kind `{}` is available for platform `{name}`", declaration.kind),
                )
                .with_help(format!(
                    "available kinds: {}; if another program renders kind `{kind}`, tell the gate so (`--platform-kinds-external {kind}`)",
                    self.kinds().join(", "),
                    kind = declaration.kind
                )),
            ));
        };
        let version = implementation.version();
        if !declaration.version.matches(&version) {
            return Err(Box::new(
                Diagnostic::new(
                    "platform-version-mismatch",
                    Severity::Error,
                    path.key("version"),
                    format!(
                        "platform `{name}` asks for kind `{}` {}, but the available implementation is {version}",
                        declaration.kind, declaration.version
                    ),
                )
                .with_help(format!("change the requirement to accept {version}, or use an implementation it accepts")),
            ));
        }
        Ok(Arc::clone(implementation))
    }
}
