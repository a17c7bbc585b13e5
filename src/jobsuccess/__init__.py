"""jobsuccess."""
