"""Media helpers: perceptual fingerprints, audio, video frames and PDF pages."""
