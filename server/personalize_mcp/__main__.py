from personalize_mcp.cli import main

raise SystemExit(main())
