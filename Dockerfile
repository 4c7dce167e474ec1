# The engine's image: one image, one role per container (api, worker, scheduler), chosen by
# the command. Build: docker build -t soar-engine .
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY integrations integrations
COPY bench bench
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY playbooks playbooks
USER node
ENTRYPOINT ["node", "bin/soar.js"]
CMD ["--help"]
