"""The reconnect challenge a tool returns when the person's upstream link is gone."""

from shared.auth.challenge import reconnect_meta, www_authenticate
from shared.auth.errors import UpstreamLinkMissing

PRM = "https://jira.example.com/.well-known/oauth-protected-resource/mcp"


def test_the_reconnect_meta_is_a_bearer_challenge_with_metadata_scopes_and_the_reason():
    meta = reconnect_meta(UpstreamLinkMissing("jira"), resource_metadata_url=PRM, scopes=["jira.read", "jira.write"])
    challenge = meta["mcp/www_authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="Your jira account is not connected')
    assert f'resource_metadata="{PRM}"' in challenge and challenge.endswith('scope="jira.read jira.write"')


def test_quotes_in_a_description_are_escaped():
    challenge = www_authenticate(resource_metadata_url=PRM, scopes=["jira.read"], description='say "hi"')
    assert 'error_description="say \\"hi\\""' in challenge
