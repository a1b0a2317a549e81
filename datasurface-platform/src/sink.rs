//! Where a platform puts what it renders, one artifact at a time
//! ([`DataPlatform::render_into`](crate::DataPlatform::render_into)).
//!
//! A [`Rendering`] is one sink: it keeps every artifact, as a plan needs.
//! A sink that writes each artifact to disk as it comes keeps only the
//! index, so a rendering of a million files never has to be held whole
//! (`datasurface_runtime::RenderingWriter`).

use crate::rendering::{Artifact, ArtifactKey, DuplicateArtifact, Rendering};

/// Why a sink did not take an artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The key was put before: one of the two would have been lost.
    #[error(transparent)]
    Duplicate(#[from] DuplicateArtifact),
    /// The sink could not keep what it was given (a file it could not
    /// write, say).
    #[error("the rendering could not be kept: {0}")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What receives a platform's artifacts as it renders them.
///
/// # Contract
///
/// * [`put`](Self::put) refuses a key already put
///   ([`SinkError::Duplicate`]), so a platform that streams finds the same
///   duplicates [`Rendering::insert`] does.
/// * The order artifacts come in carries no meaning: a sink that needs
///   them in key order (an index) sorts them itself.
/// * After the first error the platform stops rendering and returns it;
///   what the sink holds then is incomplete, and the sink's owner says so.
pub trait ArtifactSink {
    /// Takes one artifact under its key.
    fn put(&mut self, key: ArtifactKey, artifact: Artifact) -> Result<(), SinkError>;
}

impl Rendering {
    /// The rendering `fill` puts into a sink: how a platform that
    /// implements [`render_into`](crate::DataPlatform::render_into) makes
    /// its `render`.
    ///
    /// ```text
    /// fn render(&self, graph, cx) -> Result<Rendering, PlatformError> {
    ///     Rendering::collect(|sink| self.render_into(graph, cx, sink))
    /// }
    /// ```
    pub fn collect<E>(
        fill: impl FnOnce(&mut dyn ArtifactSink) -> Result<(), E>,
    ) -> Result<Rendering, E> {
        let mut rendering = Rendering::default();
        fill(&mut rendering)?;
        Ok(rendering)
    }
}

impl ArtifactSink for Rendering {
    fn put(&mut self, key: ArtifactKey, artifact: Artifact) -> Result<(), SinkError> {
        Ok(self.insert(key, artifact)?)
    }
}

impl<S: ArtifactSink + ?Sized> ArtifactSink for &mut S {
    fn put(&mut self, key: ArtifactKey, artifact: Artifact) -> Result<(), SinkError> {
        (**self).put(key, artifact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_keeps_what_was_put_and_passes_an_error_on() {
        let key = ArtifactKey::new("a.sql").unwrap();
        let r: Result<Rendering, SinkError> =
            Rendering::collect(|sink| sink.put(key.clone(), Artifact::new(None, "1", Vec::new())));
        assert_eq!(r.unwrap().artifacts[&key].content, "1");
        let twice = Rendering::collect(|sink| {
            sink.put(key.clone(), Artifact::new(None, "1", Vec::new()))?;
            sink.put(key.clone(), Artifact::new(None, "2", Vec::new()))
        });
        assert!(matches!(twice, Err(SinkError::Duplicate(_))));
    }

    #[test]
    fn a_rendering_as_a_sink_refuses_a_key_put_twice() {
        let mut r = Rendering::default();
        let key = ArtifactKey::new("a.sql").unwrap();
        r.put(key.clone(), Artifact::new(None, "1", Vec::new()))
            .unwrap();
        let err = r
            .put(key.clone(), Artifact::new(None, "2", Vec::new()))
            .unwrap_err();
        assert!(
            matches!(err, SinkError::Duplicate(ref d) if d.key == key),
            "{err}"
        );
        assert_eq!(r.artifacts[&key].content, "1");
    }
}
