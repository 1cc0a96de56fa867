-- wrk script for POST /api/v1/quotes/ (bench/api.sh, which sets QUOTE_BODY): anonymous, JSON.
wrk.method = "POST"
wrk.body = os.getenv("QUOTE_BODY")
wrk.headers["Content-Type"] = "application/json"
