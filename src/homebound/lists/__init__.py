"""Reading, checking and writing person lists as CSV and XLSX, headed in English, Ukrainian or Russian."""
