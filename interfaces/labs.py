"""ORU^R01: lab results into the monitoring chart (filled in below)."""
