"""The local stack: Herald's functions, API Gateway and event sources on this machine, from template.yaml."""
