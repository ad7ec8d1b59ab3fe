"""Upstream JSON, parsed once at the boundary into models that tolerate extra and missing fields.

One module per subject: `account` (projects, stacks, the user, the organisation), `audiences` (and the
attributes and places their rules name), `experiences` (and the events their metrics count), `versions`,
`cms_variants` (variant groups and variants, with their link to Personalize), `analytics` (what the
analytics answers parse into); `base` holds what they share. Field names follow the APIs (camelCase
for Personalize, snake_case for CMS) through aliases. Only `uid` (or a stack's `api_key`) is required:
anything else Contentstack leaves out becomes `None` or empty rather than failing the whole answer.
"""
