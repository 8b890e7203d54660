"""Media helpers: measuring images once (``measure``), perceptual fingerprints, audio, video frames
and PDF pages."""
