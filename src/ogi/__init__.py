"""ogi: Open Government Information annual reports, crawled, parsed, validated and loaded."""
