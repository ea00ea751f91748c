#!/bin/bash
# Runbook §4.1 smoke test. `npm run smoke`, or `set -a; . ./.demo.env; bash scripts/smoke-test.sh`.
# Needs bash, curl and jq (apt-get install jq / brew install jq). Below the preamble, the
# runbook's script is copied verbatim (it must pass unchanged). The preamble only supplies its
# inputs: when TEST_COMPANY_ID is unset it loads .demo.env (written by `npm run dev`: demo
# company and admin JWT); an API_URL you set yourself wins over the file's.
demo_env="$(dirname "$0")/../.demo.env"
if [ -z "${TEST_COMPANY_ID:-}" ] && [ -f "$demo_env" ]; then
  given_api_url="${API_URL:-}"
  set -a; . "$demo_env"; set +a
  [ -n "$given_api_url" ] && API_URL="$given_api_url"
  echo "smoke-test: TEST_COMPANY_ID and TEST_AUTH_TOKEN from .demo.env"
fi
if [ -z "${TEST_COMPANY_ID:-}" ] || [ -z "${TEST_AUTH_TOKEN:-}" ]; then
  echo "smoke-test: set TEST_COMPANY_ID and TEST_AUTH_TOKEN (an admin JWT), or run \`npm run dev\` to get .demo.env" >&2
  exit 2
fi
command -v jq > /dev/null || { echo "smoke-test: jq is required (apt-get install jq / brew install jq)" >&2; exit 2; }
export API_URL="${API_URL:-http://localhost:8787}"
echo "smoke-test: API_URL=$API_URL TEST_COMPANY_ID=$TEST_COMPANY_ID TEST_AUTH_TOKEN=${TEST_AUTH_TOKEN:0:12}… (${#TEST_AUTH_TOKEN} chars)"

# ---- runbook §4.1 "Test Script", verbatim from here on ----
#!/bin/bash
# Run after deployment to verify functionality
set -e

API_URL="${API_URL:-http://localhost:3001}"
COMPANY_ID="${TEST_COMPANY_ID}"
AUTH_TOKEN="${TEST_AUTH_TOKEN}"

echo "=== E-Commerce Modules Smoke Tests ==="

# Test 1: Create anonymous cart
echo "Test 1: Create anonymous cart..."
CART=$(curl -sf -X POST "$API_URL/api/public/cart" \
  -H "Content-Type: application/json" \
  -H "x-company-id: $COMPANY_ID" \
  -d '{"currency": "USD"}')
echo "PASS: Cart created"
CART_ID=$(echo $CART | jq -r '.id')
SESSION_TOKEN=$(echo $CART | jq -r '.sessionToken')

# Test 2: Add item to cart (requires valid product ID)
echo "Test 2: Verify cart retrieval..."
curl -sf "$API_URL/api/public/cart" \
  -H "x-session-token: $SESSION_TOKEN" \
  -H "x-company-id: $COMPANY_ID" > /dev/null
echo "PASS: Cart retrieval works"

# Test 3: E-Commerce Analytics (authenticated)
echo "Test 3: E-Commerce Analytics Overview..."
STATUS=$(curl -s -o /dev/null -w "%{http_code}" "$API_URL/api/analytics/ecommerce/overview" \
  -H "Authorization: Bearer $AUTH_TOKEN")
if [[ "$STATUS" == "200" ]]; then
  echo "PASS: Analytics overview accessible"
else
  echo "FAIL: Analytics returned HTTP $STATUS"
  exit 1
fi

echo "=== All Smoke Tests Passed ==="
